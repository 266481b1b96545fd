"""The store: Doorstroom's own record of offices, dossiers, documents and sync tasks.

Prefect knows runs; the store knows business facts (which booking exists, who must act, why).
"""
