"""mockrefund: a sandbox server for the refund APIs of Kakaclo, SHOPLINE and WooCommerce."""

__version__ = "0.1.0"
