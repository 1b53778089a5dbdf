"""The staff console: sign-in, applications, exports, accounts and the audit log."""

from . import accounts, applications, audit_log, exports, login

routes = [*login.routes, *exports.routes, *applications.routes, *accounts.routes, *audit_log.routes]
