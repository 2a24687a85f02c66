"""Judges a Schemathesis run (its NDJSON events) by contract http.md §9.

Every failure counts but two kinds the contract itself explains:
- `ignored_auth` answered 422 `errors.from` to a request with neither a key
  nor an Authorization header: part 1 asks a client without credentials
  for its `From` first;
- `positive_data_acceptance` answered 422 naming only states of the server,
  which no schema can state: a username, email or domain already taken, a
  wrong current password, a realm that cannot change while the space has
  accounts, the default domain's space that must stay super.
Usage: judge.py EVENTS.ndjson SCHEMATHESIS_OUTPUT.txt
"""

import base64
import json
import re
import sys


def body(interaction):
    content = (interaction or {}).get("response", {}).get("content") or {}
    try:
        return json.loads(base64.b64decode(content.get("$base64", "")) or b"null")
    except ValueError:
        return None


def explained(check, interaction):
    failure = check["failure_info"]["failure"]
    response = (interaction or {}).get("response") or {}
    answer = body(interaction)
    if response.get("status_code") != 422 or not isinstance(answer, dict):
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
    if failure["code"] == "ST202" and messages and all(any(state in m for state in STATES) for m in messages):
        return "422 about a state of the server (taken, wrong current password, realm in use, default space)"
    return None


# The 422 messages of parts 1-2 that depend on stored data, not on shape.
STATES = (
    "has already been taken.",
    "Incorrect old password",
    "cannot change while the space has accounts",
    "cannot be turned off for the space of the default domain",
)


def main(events_path, output_path):
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
