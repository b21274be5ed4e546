"""An event whole: JSON export and import, a static HTML archive, and the demo show."""
