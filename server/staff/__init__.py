"""The staff console: sign-in, applications, exports, insights, accounts, outreach events and the audit log."""

from . import accounts, applications, audit_log, events, exports, insights, login

routes = [*login.routes, *exports.routes, *applications.routes, *insights.routes, *accounts.routes, *events.routes, *audit_log.routes]
