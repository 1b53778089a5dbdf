"""The staff console: sign-in, applications, exports, accounts, outreach events and the audit log."""

from . import accounts, applications, audit_log, events, exports, login

routes = [*login.routes, *exports.routes, *applications.routes, *accounts.routes, *events.routes, *audit_log.routes]
