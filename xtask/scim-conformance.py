"""scim2-tester's checks (what scim2-cli's `scim test` runs) with the HTTP exchanges of each
failed check shown: the request sent and the server's answer, so that a failure says what was
asked and what came back. Run by xtask/scim-conformance.sh with the venv's python:

    python scim-conformance.py URL   (the Bearer token in SCIM_CONFORMANCE_TOKEN)
"""

import os
import sys

from httpx2 import Client
from scim2_cli.session import describe_server
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

BODY_LIMIT = 1200

exchanges = []


def record(response):
    response.read()
    request = response.request
    exchanges.append(
        (
            request.method,
            str(request.url),
            request.content.decode("utf-8", "replace"),
            response.status_code,
            response.headers.get("content-type", ""),
            response.text,
        )
    )


# Each result is made once its check's requests are done: the exchanges since the previous
# result are this one's.
original_init = CheckResult.__init__


def init(self, *args, **kwargs):
    original_init(self, *args, **kwargs)
    self._exchanges_until = len(exchanges)


CheckResult.__init__ = init


def short(text):
    text = " ".join(text.split())
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + " …"


def main():
    url = sys.argv[1]
    token = os.environ["SCIM_CONFORMANCE_TOKEN"]
    client = SyncSCIMClient(
        Client(
            base_url=url,
            headers={"Authorization": f"Bearer {token}"},
            event_hooks={"response": [record]},
        )
    )
    client.provider = describe_server(client, None, None, None)
    results = check_server(client)
    counts = {}
    since = 0
    for result in results:
        until = getattr(result, "_exchanges_until", since)
        name = result.status.name
        counts[name] = counts.get(name, 0) + 1
        print(f"{name} {result.title}")
        if result.reason:
            print(f"  {short(str(result.reason))}")
        if result.status not in (Status.SUCCESS, Status.SKIPPED):
            for method, target, body, status, content_type, answer in exchanges[since:until]:
                print(f"  > {method} {target}")
                if body:
                    print(f"    {short(body)}")
                print(f"  < {status} {content_type}")
                if answer:
                    print(f"    {short(answer)}")
        since = max(since, until)
    print("scim2-tester: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 0 if set(counts) <= {"SUCCESS", "SKIPPED"} else 1


if __name__ == "__main__":
    sys.exit(main())
