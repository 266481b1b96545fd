"""Wings connector: Wings runs on the office's own server (Wings Online through its
"home directory" web service, classic Wings through ASCII imports into the dossier's
database); Doorstroom reaches it through the on-premise agent (:mod:`..agent`), which needs
the dossier's internal number and ``wings.ini``. Wings' own error texts are not public:
the agent reports the states the seed names (database structure outdated) as protocol codes.
"""
