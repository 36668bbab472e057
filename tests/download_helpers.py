"""Reading a download the way a browser does, for tests of any page that offers a file."""

from __future__ import annotations

from email.message import Message
from email.utils import collapse_rfc2231_value


def download_name(response) -> str:
    """The file name a browser saves `response` under; fails unless it is an attachment.

    The header must be Latin-1 (all a real server can send). As in browsers (RFC 6266), the
    UTF-8 `filename*` (RFC 5987) wins over the plain `filename` fallback wherever it stands.
    """
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")
    message = Message()
    message["Content-Disposition"] = header
    [(disposition, _), *params] = message.get_params(header="content-disposition")
    assert disposition == "attachment", header
    names = [value for key, value in params if key == "filename"]
    extended = [collapse_rfc2231_value(value) for value in names if isinstance(value, tuple)]
    [name, *_others] = extended or names
    return name
