"""Pure stages that turn a PDF's bytes into validated, typed records.

extract → normalize → validate; no Celery, no SQLAlchemy, no module state.
"""

PIPELINE_VERSION = "2"  # 2: table model (issue 9): table kinds, periods, self-evaluations, info blocks
"""Bump when a change alters what the stages produce; `jixiao reprocess --outdated` re-runs older rows."""
