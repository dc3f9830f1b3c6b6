"""Every capability's tables, imported together so Alembic and `create_all` see one metadata."""

import scheduler.core.models  # noqa: F401
import scheduler.dr.models  # noqa: F401
import scheduler.jobs.models  # noqa: F401
import scheduler.plans.models  # noqa: F401
import scheduler.quotas.models  # noqa: F401
import scheduler.tenants.models  # noqa: F401
import scheduler.whatif.models  # noqa: F401
