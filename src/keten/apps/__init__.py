"""The apps keten ships for the factory connector, registered under the ``keten.apps`` entry point
group like any other app: an idle-power anomaly detector and a scrap-rate control chart."""
