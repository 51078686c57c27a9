"""Job handlers of the e-licence app (found by the jobs module's autodiscovery of ``<app>.jobs``)."""

from . import licences, stock  # noqa: F401  (importing registers the handlers)
