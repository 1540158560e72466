"""Customer messages for the shop fixture SOP, written apart from its paraphrases.

`ANSWERABLE`: obvious paraphrases (colloquial Indonesian, English, typos), each
with the entry that answers it. `UNRELATED`: messages the SOP does not cover.
Used by the tests and by the threshold check in the benchmark notes.
"""

ANSWERABLE: list[tuple[str, str]] = [
    ("gimana cara ngajuin refund?", "refund-how"),
    ("mau minta refund dong kak", "refund-how"),
    ("how can i get a refund", "refund-how"),
    ("refund sy blm masuk jg", "refund-status"),
    ("udah seminggu dana refund blm balik", "refund-status"),
    ("my refund still hasn't come", "refund-status"),
    ("paket sy udh sampe mana ya", "order-track"),
    ("cara lacak pesanan gmn", "order-track"),
    ("how do i track my order", "order-track"),
    ("kok pesenan sy lama bgt blm dtg", "order-late"),
    ("my order is very late", "order-late"),
    ("ongkir ke bandung brp kak", "shipping-cost"),
    ("ada free ongkir ga", "shipping-cost"),
    ("how much is the shipping fee", "shipping-cost"),
    ("bisa bayar pake qris?", "payment-methods"),
    ("bayarnya bisa cod gak min", "payment-methods"),
    ("which payment methods can i use", "payment-methods"),
    ("gmn cara batalin pesanan", "order-cancel"),
    ("mau cancel orderan kak", "order-cancel"),
    ("how to cancel my order", "order-cancel"),
    ("alamat pengiriman salah, bisa diganti?", "address-change"),
    ("gw mau ubah alamat", "address-change"),
    ("can i change the delivery address", "address-change"),
    ("lupa pasword akun", "password-reset"),
    ("sy gk bisa login", "password-reset"),
    ("forgot my pasword", "password-reset"),
    ("barang yg dtg rusak kak", "damaged-item"),
    ("produknya gak sesuai pesanan", "damaged-item"),
    ("the item arrived damaged", "damaged-item"),
    ("cs buka jam brp?", "opening-hours"),
    ("what time does customer service open", "opening-hours"),
    ("kode voucher gak bisa dipake", "promo-code"),
    ("my coupon code is not working", "promo-code"),
]

UNRELATED: list[str] = [
    "resep nasi goreng yang enak apa ya",
    "siapa presiden indonesia sekarang",
    "can you recommend a good movie",
    "what is the weather in jakarta today",
    "apakah kalian buka lowongan kerja?",
    "how do i bake a chocolate cake",
    "berapa harga saham hari ini",
    "tolong buatkan puisi cinta",
    "is the moon made of cheese",
    "jadwal kereta ke bogor",
    "my cat is sick what should i do",
    "kapan lebaran tahun ini",
]
