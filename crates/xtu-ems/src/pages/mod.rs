//! One module per academic-system page: a pure parser and the page's request shape.
