"""Requests, responses and the route declarations of the simulators."""

import json
from urllib.parse import parse_qsl


class Request:
    def __init__(self, method, path, query, headers, body, client):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client = client
        self.params = {}

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        if not self.body:
            return {}
        return json.loads(self.body.decode("utf-8"))

    def form(self):
        if self.content_type == "application/x-www-form-urlencoded":
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        return {}

    def text(self):
        return self.body.decode("utf-8")


class Response:
    def __init__(
        self, status=200, body=b"", content_type="application/json", headers=None
    ):
        self.status = status
        if isinstance(body, dict | list):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        self.headers = {"Content-Type": content_type}
        self.headers.update(headers or {})


def json_response(data, status=200, headers=None):
    return Response(status, data, "application/json; charset=utf-8", headers)


def route(method, pattern, api=True):
    """Declare a handler: ``pattern`` is a path with ``{name}`` placeholders,
    ``method`` one HTTP method or a tuple of them. ``api=False`` exempts the route
    from fault injection (auth pages, control). A handler may have several routes
    (the decorator stacks)."""
    methods = (method,) if isinstance(method, str) else tuple(method)

    def decorator(func):
        func._sim_routes = [(verb.upper(), pattern, api) for verb in methods] + getattr(
            func, "_sim_routes", []
        )
        return func

    return decorator
