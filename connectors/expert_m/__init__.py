"""Expert/M Plus connector: Expert/M runs on the office's own server and imports bookings
per year and period (XML, or UBL through Kluwer Exchange); Doorstroom reaches it through the
on-premise agent (:mod:`..agent`) that works on the dossier's database. Expert/M's own error
texts beyond "Dit is geen geldig bedrag!"/"Dit is geen geldige datum!" are not public: the
agent reports the seed's states (payment linked, database absent with a backup) as codes.
"""
