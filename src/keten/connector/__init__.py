"""The factory connector: equipment signals over OPC UA and MQTT, stored as samples, turned into
energy per order and OEE, and the equipment's twins."""
