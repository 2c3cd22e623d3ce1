"""Tasks of the `toolbox` suite. Each answer is computed from the tools, so the two cannot drift."""
from .tools import (
    _CATALOGUE, apply_discount, convert_currency, get_document, get_price, get_stock,
    item_weight, list_documents, list_items, shipping_cost, word_count,
)

TASKS = [
    {
        "id": "order_total_usd",
        "instruction": "What do 3 widgets and 2 gadgets cost together, in USD?",
        "answer": convert_currency(3 * get_price("widget") + 2 * get_price("gadget"), "EUR", "USD"),
        "compare": "numeric",
        "tolerance": 0.01,
        "tools": ["get_price", "convert_currency", "list_items"],
    },
    {
        "id": "cheapest_tool",
        "instruction": "Which item in the 'tools' category has the lowest price? Answer with its name.",
        "answer": min(list_items("tools"), key=get_price),
        "compare": "exact",
        "tools": ["list_items", "get_price", "get_stock"],
    },
    {
        "id": "low_stock_kitchen",
        "instruction": "List every item of the 'kitchen' category with fewer than 5 units in stock.",
        "answer": [n for n in list_items("kitchen") if get_stock(n) < 5],
        "compare": "set",
        "tools": ["list_items", "get_stock", "get_price"],
    },
    {
        "id": "ship_order_zone_b",
        "instruction": "How much does it cost in EUR to ship one parcel holding 2 widgets and 1 kettle to zone B?",
        "answer": shipping_cost(2 * item_weight("widget") + item_weight("kettle"), "B"),
        "compare": "numeric",
        "tools": ["item_weight", "shipping_cost", "get_price"],
    },
    {
        "id": "kettle_sale_gbp",
        "instruction": "The kettle is on sale at 15% off. What is its sale price in GBP? (Apply the discount in EUR, then convert.)",
        "answer": convert_currency(apply_discount(get_price("kettle"), 15), "EUR", "GBP"),
        "compare": "numeric",
        "tolerance": 0.01,
        "tools": ["get_price", "apply_discount", "convert_currency"],
    },
    {
        "id": "words_intro_faq",
        "instruction": "How many words do the documents 'intro' and 'faq' have together?",
        "answer": word_count(get_document("intro")) + word_count(get_document("faq")),
        "compare": "exact",
        "tools": ["list_documents", "get_document", "word_count"],
    },
    {
        "id": "tools_stock_value",
        "instruction": "What is the total value in EUR (price times units in stock) of all items in the 'tools' category?",
        "answer": sum(get_price(n) * get_stock(n) for n in list_items("tools")),
        "compare": "numeric",
        "tools": ["list_items", "get_price", "get_stock"],
    },
    {
        "id": "heaviest_garden_in_stock",
        "instruction": "Among the 'garden' items that are in stock (at least one unit), which is the heaviest? Answer with its name.",
        "answer": max((n for n in list_items("garden") if get_stock(n) > 0), key=item_weight),
        "compare": "exact",
        "tools": ["list_items", "get_stock", "item_weight"],
    },
    {
        "id": "longest_document",
        "instruction": "Which of the shop's documents has the most words? Answer with its name.",
        "answer": max(list_documents(), key=lambda d: word_count(get_document(d))),
        "compare": "exact",
        "tools": ["list_documents", "get_document", "word_count"],
    },
]

assert len(_CATALOGUE) == 9
