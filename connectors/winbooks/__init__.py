"""WinBooks on Web connector: its REST API (object-model routes, ``ExecuteCriteria``,
``POST OAuth20/Token`` with the licence e-mail and exchange token) as documented on
WinBooks' developer help (help.winbooks.be, "WinBooks on Web API") and used by public clients.

Not confirmed in public sources and therefore kept in one place each: the criteria body
(``client.criteria_body``), the error body and codes (``errors.py``), where the VAT status
of a book period is read (``tasks.WinBooksConnector._check_period``). Attachments are not
sent: no public source documents the WinBooks on Web attachment route.
"""
