"""Auditoria: SEGES and partner managers read, filter and export the audit trail."""
