"""Writing code: rendering planned sites, spelling Keras names, fresh names, imports, black."""
