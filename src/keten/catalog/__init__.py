"""Parts, products, bills of materials, materials and stock."""
