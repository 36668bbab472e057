"""The ceiling: a one-route Flask app served by the same gunicorn settings as the platform."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, union!"
