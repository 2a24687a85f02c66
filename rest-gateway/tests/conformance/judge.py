"""Judges a Schemathesis run (its NDJSON events) by contract http.md §9.

Every failure counts but these, which the contract itself explains:
- `ignored_auth` answered 422 `errors.from` to a request with neither a key
  nor an Authorization header: part 1 asks a client without credentials
  for its `From` first;
- `positive_data_acceptance` answered 422 naming only states of the server,
  which no schema can state: a username, email or domain already taken, a
  wrong current password, a realm that cannot change while the space has
  accounts, the default domain's space that must stay super, a token or
  code the server does not hold (part 4, also as a browser page);
- `not_a_server_error` on part 4's 503 `Token not sent`, `Email not sent`,
  `SMS not sent` and part 6's `Push notification not sent`: this run
  configures no push, mail or SMS provider, and the contract answers that;
- a case Schemathesis misjudged, as `jsonschema` reads the document again:
  a "schema-violating" body that is valid, or a "schema-valid" one that is
  not;
- `negative_data_rejection` answered 413: a body over the gateway's
  `--body-limit-bytes` is refused before its fields are read (http.md);
- a multipart case (part 6's upload) Schemathesis judged against the
  document wrongly: its parts are read again (names, `file` once, no other
  part where `additionalProperties` is false);
- `positive_data_acceptance` answered 422 `Invalid ini format.` on
  `custom_provisioning_entries` alone, for text that follows the line
  grammar the document gives: part 5's rules between lines (a section or
  a name twice, a name the platform writes) are beyond a pattern.
Usage: judge.py EVENTS.ndjson SCHEMATHESIS_OUTPUT.txt
"""

import base64
import json
import os
import re
import sys

import jsonschema

# The document the run tested, beside its events (scripts/api-conformance).
DOCUMENT = None


def body(interaction):
    content = (interaction or {}).get("response", {}).get("content") or {}
    try:
        return json.loads(base64.b64decode(content.get("$base64", "")) or b"null")
    except ValueError:
        return None


def text(interaction):
    content = (interaction or {}).get("response", {}).get("content") or {}
    return base64.b64decode(content.get("$base64", "")).decode("utf-8", "replace")


def sent_body(interaction):
    raw = (interaction or {}).get("request", {}).get("body") or {}
    try:
        return json.loads(base64.b64decode(raw.get("$base64", "")) or b"null")
    except ValueError:
        return None


def header(interaction, name):
    headers = (interaction or {}).get("request", {}).get("headers") or {}
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return None


def multipart_verdict(operation, interaction):
    """Whether a multipart body's part names fit its operation's schema:
    the required parts present, each once, no other where
    `additionalProperties` is false; None when the operation takes no
    multipart body or the case sent none."""
    import email.parser
    import email.policy

    method, path = operation.split(" ", 1)
    item = DOCUMENT["paths"].get(path, {}).get(method.lower(), {})
    schema = item.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema")
    content_type = header(interaction, "content-type") or ""
    if schema is None or not content_type.startswith("multipart/form-data"):
        return None
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    raw = (interaction or {}).get("request", {}).get("body") or {}
    sent = base64.b64decode(raw.get("$base64", ""))
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + sent
    )
    if not message.is_multipart():
        return False
    names = [part.get_param("name", header="content-disposition") for part in message.iter_parts()]
    if any(names.count(name) > 1 for name in names):
        return False
    if any(required not in names for required in schema.get("required", [])):
        return False
    known = schema.get("properties", {})
    return schema.get("additionalProperties", True) is not False or all(n in known for n in names)


def schema_verdict(operation, request_body):
    """Whether the JSON body the case sent is valid against its operation's
    request schema, as `jsonschema` (Draft 2020-12, formats checked) reads
    the document; None when the operation has no JSON body."""
    method, path = operation.split(" ", 1)
    item = DOCUMENT["paths"].get(path, {}).get(method.lower(), {})
    schema = item.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None or request_body is None:
        return None
    root = dict(schema, components=DOCUMENT["components"])
    validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
    return validator.is_valid(request_body)


def explained(check, interaction):
    failure = check["failure_info"]["failure"]
    response = (interaction or {}).get("response") or {}
    answer = body(interaction)
    status = response.get("status_code")
    # Schemathesis's own reading of a case can be wrong (a mutation that
    # still matches the pattern, a `not` its generator overlooked): the
    # document decides, read again by jsonschema.
    verdict = schema_verdict(failure["operation"], sent_body(interaction))
    if verdict is None:
        verdict = multipart_verdict(failure["operation"], interaction)
    if failure["code"] == "ST201" and verdict is True:
        return "Schemathesis's mutation still matched the schema (jsonschema says valid)"
    if failure["code"] == "ST202" and verdict is False:
        return "Schemathesis's case broke the schema (jsonschema says invalid)"
    if failure["code"] == "ST201" and status == 413:
        return "a body over --body-limit-bytes, refused 413 before its fields are read"
    if failure["code"] == "ST101" and status == 503 and any(m in text(interaction) for m in NOT_SENT):
        return "parts 4 and 6: 503 not sent (this run configures no push, mail or SMS provider)"
    page = interaction.get("request", {}).get("uri", "").split("/api/")[0] == interaction.get("request", {}).get("uri", "")
    if failure["code"] == "ST202" and page and status in (403, 404, 410, 422):
        if any(state in text(interaction) for state in STATES):
            return "a browser page refusing a token, code or recovery the server does not hold"
    if status != 422 or not isinstance(answer, dict):
        return None
    errors = answer.get("errors") or {}
    headers = {name.lower() for name in (interaction.get("request", {}).get("headers") or {})}
    if (
        failure["code"] == "ST401"
        and set(errors) == {"from"}
        and not headers & {"x-api-key", "authorization"}
    ):
        return "part 1: 422 errors.from without credentials"
    messages = [m for field in errors.values() for m in field]
    if (
        failure["code"] == "ST202"
        and set(errors) == {"custom_provisioning_entries"}
        and all(m.startswith("Invalid ini format.") for m in messages)
    ):
        return "part 5: an INI rule between lines (a name twice, a name the platform writes)"
    if failure["code"] == "ST202" and messages and all(any(state in m for state in STATES) for m in messages):
        return "422 about a state of the server (taken, wrong current password, realm in use, default space)"
    return None


# The messages of parts 1, 2 and 4 that depend on stored data, not on
# shape: a name taken, a wrong current password, a realm in use, a token or
# code the server does not hold (or no longer).
STATES = (
    "has already been taken.",
    "Incorrect old password",
    "cannot change while the space has accounts",
    "cannot be turned off for the space of the default domain",
    "Please provide a valid account_creation_request_token",
    "Please provide a valid account_creation_token",
    "The provided token is expired",
    "The code should be valid",
    "This recovery has expired",
    "Invalid account recovery token",
    # Part 6: a contact is an account stored here; an enabled `always`
    # clashes with the forwardings the account already has.
    "The selected contact id is invalid.",
    "cannot be enabled at the same time",
)

# Part 4's 503s when a channel is off, and part 6's for Flexisip's pushes.
NOT_SENT = ("Token not sent", "Email not sent", "SMS not sent", "Push notification not sent")


def main(events_path, output_path):
    global DOCUMENT
    with open(os.path.join(os.path.dirname(events_path), "openapi.json")) as document:
        DOCUMENT = json.load(document)
    counted, accepted, cases = [], {}, 0
    with open(events_path) as events:
        for line in events:
            event = json.loads(line)
            kind, data = next(iter(event.items()))
            if kind != "ScenarioFinished":
                continue
            recorder = data.get("recorder") or {}
            interactions = recorder.get("interactions") or {}
            for case_id, checks in (recorder.get("checks") or {}).items():
                cases += 1
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    reason = explained(check, interactions.get(case_id))
                    failure = check["failure_info"]["failure"]
                    if reason:
                        accepted[reason] = accepted.get(reason, 0) + 1
                    else:
                        answer = json.dumps(body(interactions.get(case_id)))[:300]
                        counted.append(f"{failure['code']} {failure['operation']}: {failure['title']}: {answer}")
    with open(output_path) as output:
        text = output.read()
    for reason, count in sorted(accepted.items()):
        print(f"scripts/api-conformance: explained by the contract ({count}): {reason}")
    if "EngineFinished" not in open(events_path).read() or cases == 0:
        print(text)
        print("scripts/api-conformance: Schemathesis did not run to its end")
        return 1
    if counted:
        print(text)
        for line in sorted(set(counted)):
            print(f"scripts/api-conformance: FAILURE {line}")
        return 1
    summary = [l.strip() for l in text.splitlines() if re.match(r"^\s*\d+ generated", l)]
    print(f"scripts/api-conformance: Schemathesis found nothing else ({cases} checked cases; {' '.join(summary)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
