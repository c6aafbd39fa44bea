// Fixed addresses of the module's linear memory. The build sets --memoryBase so
// that AssemblyScript's own static data starts above the CRC tables, which lets
// every table lookup use a constant immediate offset instead of an add.

/** 16 slicing tables of 256 u32 each, at address 0. */
export const CRC_TABLE_BYTES: u32 = 16 * 256 * 4;
