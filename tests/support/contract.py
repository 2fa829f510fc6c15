"""The contract's error bodies (api-contract.md 1.1 and Part 2 #1) as one judgement the tests share."""

import json

AUTH_ERRORS = {
    -1: "No Authorization header provided",
    -2: "Authorization header must have Bearer <token> format",
    -3: "Access token expired",
    -4: "Invalid access token",
    -5: "Token not found",
}
_PLAIN_ERROR_KEYS = ({"status", "message"}, {"status", "message", "errorId"})


def error_body_problem(status_code: int, content_type: str | None, body: bytes) -> str | None:
    """Why an error answer's body is not in the contract's shape; None when it is.

    401 must be the 1.1 object; any other error {"status": "error", "message": ...} with an
    integer errorId where the contract's table gives one."""
    if not (content_type or "").startswith("application/json"):
        return f"Content-Type is {content_type!r}, not JSON"
    try:
        parsed = json.loads(body)
    except ValueError:
        return f"the body is not JSON: {body[:200]!r}"
    if not isinstance(parsed, dict) or parsed.get("status") != "error":
        return f'the body is not an object with "status": "error": {parsed!r}'
    if status_code == 401:
        return _auth_error_problem(parsed)
    return _plain_error_problem(parsed)


def _auth_error_problem(parsed: dict) -> str | None:
    auth_error = parsed.get("auth_error")
    if set(parsed) != {"status", "auth_error"} or not isinstance(auth_error, dict):
        return f"a 401 body is not the 1.1 shape: {parsed!r}"
    error_id = auth_error.get("errorId")
    if set(auth_error) != {"message", "errorId"} or AUTH_ERRORS.get(error_id) != auth_error.get("message"):
        return f"a 401 body is not one of the 1.1 errors: {parsed!r}"
    return None


def _plain_error_problem(parsed: dict) -> str | None:
    if set(parsed) not in _PLAIN_ERROR_KEYS:
        return f"unexpected keys in an error body: {sorted(parsed)}"
    if not isinstance(parsed["message"], str) or not parsed["message"]:
        return f"the message is not a non-empty string: {parsed!r}"
    if "errorId" in parsed and type(parsed["errorId"]) is not int:
        return f"errorId is not an integer: {parsed!r}"
    return None
