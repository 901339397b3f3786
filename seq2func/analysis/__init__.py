"""Facts about the tree, and no decisions: metadata, narrowing, Keras names, node predicates."""
