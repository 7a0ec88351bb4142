/// Fixed test keypairs (modulus, private exponent), generated once offline;
/// exponent 0x10001. ZhengFang keys of 496 and 504 bits exist, so those sizes are here too.
pub(crate) const KEYS: [(&str, &str); 3] = [
    // 512 bits
    (
        "aaa71e2c0566b8145f67bdf439ffcb5434dad3c8bbcbc030a7eb28ba23619d6e45aef220e40ccc0b76922421104c1d370ab12c0b4e13e5282ffb00974abeb7c7",
        "5be7102aa8e5feb08a08b695b63e7963e9eb072f0d63d726dce799d15488975d1045176e0d7f9ec1b38846436086fa3c0ca9ff3f1d54d0bac57f87f458e1a321",
    ),
    // 504 bits
    (
        "c1257fe9e8031e1fa544c2d26f78c8977c20ea10401ce6023ad929f6c13fea295ddb68fcacf5d46cfc52cf52f9c6d25d961f07831abd82f8ca3d83e3c97b33",
        "63bbea662d00d7203e25d877f349aa42d6bce44049eae2364a8ef2a5513aa0b02b4e5f5f05dc738362da93645c2cf8575105a128d91029d52f73d73ce9cfd9",
    ),
    // 496 bits
    (
        "d7ab64ab95cb08273f2bc08cc6eeb39eb8dd4c32f6efdb3fba05a23f2427bbb9abb0a1dab11209f04cf8aeafcb901040deca6bf9c37c9ec725a5094e0f55",
        "6dcf95e58bd2a1e721d20c2b61cafe680da697fac722df96b607d251a5fe1836f9031643536114d20b5f2b48c8d6d7a417e5eba19d0a36138bf4c351ba21",
    ),
];
