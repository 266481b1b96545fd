"""Adsolut connector: the SOAP web service ``ExchangeService.asmx`` hosted on the office's
server (namespace ``http://websrv.adsolut.be/webservices``): ``AuthenticateUser(userName,
passWord, database)``, ``ImportDivBookings(xml)``, ``RemovePurchaseInvoice(id)``,
``GetOpenItems``; imports answer ``Success / Error / ResultInfo / NOK_Records / OK_Records``
with per-record ``Errors``.

Not confirmed in public sources and kept in one place each: how the session from
``AuthenticateUser`` travels (a ``SessionId`` SOAP header, ``client.py``), the import XML's
fields beyond ``blrela``/``blboekhpl`` and ``boekjaar_boekjaar``/``periode_periode``/
``dagboek_dagboek`` (``client.booking_xml``), the reference used to find an earlier import
(``referentie``, looked up with ``GetOpenItems``) and the record error texts (``errors.py``).
"""
