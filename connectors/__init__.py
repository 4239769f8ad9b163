"""hrhub's connectors: one package per external system, all the same shape.

REGISTERED is the one explicit list of systems the hub knows. Adding a system means adding its
folder here (client.py, hook.py, simulator.py, connector.yaml) and its name below; the
conformance suite (tests/conformance) then runs against it automatically.
"""

REGISTERED: tuple[str, ...] = (
    "attendance",
    "dingtalk",
    "interview_room",
    "successfactors",
    "yonyou",
)
