"""PTZ control shared by the control room and the police: ONVIF adapter, arbitration, tours, call-up.

Import from the submodules; this package's ``__init__`` stays empty of imports so that the Alembic
environment can load ``citywatch.ptz.models`` without the ONVIF library.
"""
