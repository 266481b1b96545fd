"""The store: Doorstroom's own record of offices, dossiers, documents and sync tasks.

Prefect knows runs; the store knows business facts (which booking exists, who must act, why).
"""

# Every session keeps the per-dossier summaries with the tasks (SQLAlchemy session events).
from doorstroom.store import summaries as _summaries  # noqa: F401
