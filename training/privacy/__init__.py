"""Privacy: a person's own data export and account deletion, retention, the privacy page.

Feature packages take part through two extension points of training.hooks, so this core
package never imports them: `personal_data_exporters` add their files to the person's zip and
`personal_data_erasers` erase or detach their rows inside the deletion's one transaction.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the privacy pages and the `privacy` command group."""
    from training.privacy.cli import privacy_cli
    from training.privacy.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(privacy_cli)
