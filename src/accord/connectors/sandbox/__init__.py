"""The sandbox landscape: simulated CRM, CLM, PSA, HR, billing and ERP, and their connectors.

`landscape.Landscape` runs the six systems (`servers/`) and the vendor simulators
(`vendors.py`) in one local server; `erp`, `psa`, `crm`, `hr`, `clm` and `billing` are the
connectors (`connector_factory(config)` each); `generator.ActivityGenerator` keeps a
generated firm busy on an accelerated clock, writing through `firm_systems.FirmSystems`:
`generic_systems` or `vendor_systems`.
See docs/sandbox.md.
"""
