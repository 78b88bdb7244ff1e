// The line items of one consistent protocol-kz count (every relation of src/forms/protocol.ts
// holds: received = issued + cancelled, found = valid + invalid, …), shared by the election
// tests of the desk and of the results tool; a test that needs a broken count spreads this and
// changes one item.
export const PROTOCOL_ITEMS = {
  registered: 1200,
  received: 1000,
  issuedEarly: 10,
  issuedStation: 600,
  issuedOutside: 20,
  cancelled: 370,
  foundMobile: 20,
  foundStationary: 610,
  invalid: 10,
  valid: 620,
  againstAll: 20,
};
