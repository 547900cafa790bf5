#!/usr/bin/python3
"""Loads the gateway's served WSDLs in python zeep (Debian's python3-zeep) and calls them.

The Interop'Fibre reference infoTravauxFTTH.wsdl does not load in zeep; the gateway's own WSDL
for the same wire format must. Run by test/e2e/works.e2e.test.ts against a live gateway:

  /usr/bin/python3 scripts/zeep_travaux.py <base https url> <client.crt> <client.key> <ca.crt>

Prints one JSON object: the operations zeep found and what the calls returned.
"""
import json
import sys

import requests
import zeep
from zeep.transports import Transport

base, cert, key, ca = sys.argv[1:5]
session = requests.Session()
session.cert = (cert, key)
session.verify = ca
# Otherwise REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment replace `verify` (requests
# merges environment settings over the session's), and the gateway's dev CA is not in them.
session.trust_env = False
transport = Transport(session=session)
out = {}

travaux = zeep.Client(f"{base}/ws/travaux-ftth/v1?wsdl", transport=transport)
out["travaux_operations"] = sorted(travaux.service._binding._operations)
header = travaux.get_element("{http://interop-fibre.fr/wsdl/ftth/infoTravaux/v1-0}InfoTravauxFTTHHeader")
res = travaux.service.getInfoTravauxFTTH(type="TP", _soapheaders=[header(supplierID="OI-TEST", serviceProviderID="OC-ZEEP")])
# zeep unwraps the single-child response: listeTravaux's travaux come back as a list.
works = res if isinstance(res, list) else (getattr(getattr(res, "listeTravaux", res), "travaux", None) or [])
out["travaux"] = [{"reference": w.reference, "serviceProviderID": w.serviceProviderID, "type": w.type, "etat": w.etat,
                   "prestations": list(w.referencePrestationPriseImpactees.prestation) if w.referencePrestationPriseImpactees else []}
                  for w in works]
try:
    travaux.service.getInfoTravauxFTTH(dateCreation={"dateDebutRecherche": "2026-12-02T00:00:00Z", "dateFinRecherche": "2026-12-01T00:00:00Z"},
                                       _soapheaders=[header(supplierID="OI-TEST", serviceProviderID="OC-ZEEP")])
    out["fault"] = None
except zeep.exceptions.Fault as f:
    detail = f.detail.find("{http://interop-fibre.fr/wsdl/ftth/infoTravaux/v1-0}infoFtthError")
    out["fault"] = {"codeRetour": detail.findtext("codeRetour"), "messageRetour": detail.findtext("messageRetour")}

test = zeep.Client(f"{base}/ws/test/v1?wsdl", transport=transport)
out["test_operations"] = sorted(test.service._binding._operations)
print(json.dumps(out))
