"""Partners and the business of the network: camera register, plans, metering, invoices, forecast.

Framework-free: services take a ``sessionmaker`` and return dataclasses; the API and CLI translate.
Import the service from ``citywatch.partners.service`` (this package stays light so that the
migration environment can import ``citywatch.partners.models`` cheaply).
"""
