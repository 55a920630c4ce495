"""Job store, execution and housekeeping."""
