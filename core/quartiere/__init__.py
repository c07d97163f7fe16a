"""Quartiere: the tenants of a deployment, and which plugins each has switched on."""
