"""Tools of the `toolbox` suite: a small shop's catalogue, stock, currencies, shipping and documents.

Every public function here is a tool: its signature and docstring are what the model is shown.
"""

_CATALOGUE = {
    "widget": {"category": "tools", "price": 4.5, "stock": 120, "weight": 0.25},
    "gadget": {"category": "tools", "price": 12.0, "stock": 8, "weight": 0.8},
    "spanner": {"category": "tools", "price": 7.25, "stock": 3, "weight": 0.6},
    "kettle": {"category": "kitchen", "price": 30.0, "stock": 4, "weight": 1.5},
    "toaster": {"category": "kitchen", "price": 25.0, "stock": 11, "weight": 2.0},
    "whisk": {"category": "kitchen", "price": 3.0, "stock": 2, "weight": 0.1},
    "hose": {"category": "garden", "price": 18.0, "stock": 6, "weight": 3.0},
    "rake": {"category": "garden", "price": 15.0, "stock": 0, "weight": 4.5},
    "trowel": {"category": "garden", "price": 6.0, "stock": 9, "weight": 0.4},
}

# Units of each currency per 1 EUR.
_RATES = {"EUR": 1.0, "USD": 1.1, "GBP": 0.85, "JPY": 160.0}

_ZONES = {"A": 2.0, "B": 3.5, "C": 6.0}

_DOCUMENTS = {
    "intro": "Welcome to the shop. We sell tools for home and garden.",
    "faq": "How long does shipping take? Usually three days within zone A.",
    "returns": "Items can be returned within thirty days if unused and in the original box.",
}


def list_items(category: str) -> list:
    """Names of the items in a category ("tools", "kitchen" or "garden"), alphabetically."""
    if category not in {c["category"] for c in _CATALOGUE.values()}:
        raise ValueError(f"unknown category {category!r}")
    return sorted(n for n, c in _CATALOGUE.items() if c["category"] == category)


def get_price(item: str) -> float:
    """Unit price of an item in EUR."""
    return _CATALOGUE[item]["price"]


def get_stock(item: str) -> int:
    """How many units of an item are in stock."""
    return _CATALOGUE[item]["stock"]


def item_weight(item: str) -> float:
    """Weight of one unit of an item in kilograms."""
    return _CATALOGUE[item]["weight"]


def convert_currency(amount: float, from_code: str, to_code: str) -> float:
    """Converts an amount between currencies (EUR, USD, GBP, JPY), rounded to 2 decimals."""
    return round(float(amount) / _RATES[from_code] * _RATES[to_code], 2)


def apply_discount(amount: float, percent: float) -> float:
    """The amount after a percentage discount, rounded to 2 decimals."""
    return round(float(amount) * (1 - float(percent) / 100), 2)


def shipping_cost(weight_kg: float, zone: str) -> float:
    """Shipping cost in EUR for a parcel of the given weight to a zone ("A", "B" or "C")."""
    return round(_ZONES[zone] * max(1.0, float(weight_kg)), 2)


def list_documents() -> list:
    """Names of the shop's documents."""
    return sorted(_DOCUMENTS)


def get_document(name: str) -> str:
    """The text of a document."""
    return _DOCUMENTS[name]


def word_count(text: str) -> int:
    """Number of whitespace-separated words in a text."""
    return len(str(text).split())
