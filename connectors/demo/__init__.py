"""What the bundled demo sources share: the seasonal time-series model and the social platform
generator.

Each connector declares its own demo data (`Connector.demo`): API connectors generate records in
exactly the shape they land (`connectors/<type>/demo.py`), and file connectors write realistic
export files into their inbox, which their real parser then reads. Either way the data goes
through the same landing writer and staging models as real data.
"""
