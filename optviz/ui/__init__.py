"""The Dash user interface of optviz: ids, layout, figures (pure), callbacks, URL state."""
