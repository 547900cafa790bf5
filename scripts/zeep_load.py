"""Loads every WSDL the gateway serves with python zeep, over mTLS, as an integrator's tool would.

usage: zeep_load.py <base https url> <client.crt> <client.key> <ca.crt>
Reads GET <base>/ws for the live services; for each WSDL, builds a zeep Client and checks that
every operation of the binding is bound with its input element. Exits non-zero on the first
WSDL zeep cannot load.
"""
import json
import sys

import requests
from zeep import Client
from zeep.transports import Transport


def main() -> int:
    base, cert, key, ca = sys.argv[1:5]
    session = requests.Session()
    # REQUESTS_CA_BUNDLE and friends would replace the gateway CA given below.
    session.trust_env = False
    session.cert = (cert, key)
    session.verify = ca
    services = json.loads(session.get(f"{base}/ws", timeout=30).text)["services"]
    failed = 0
    for svc in services:
        try:
            client = Client(svc["wsdl"], transport=Transport(session=session))
            ops = []
            for service in client.wsdl.services.values():
                for port in service.ports.values():
                    for name, op in port.binding._operations.items():
                        assert op.input is not None, f"{name}: no input"
                        ops.append(name)
            assert ops, "no operation bound"
            print(f"ok   {svc['name']} {svc['version']}: {', '.join(sorted(ops))}")
        except Exception as err:  # report every failing WSDL, then fail
            failed += 1
            print(f"FAIL {svc['name']} {svc['version']}: {type(err).__name__}: {err}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
