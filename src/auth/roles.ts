/**
 * The three roles, each including everything the one before it may do:
 * - viewer: read;
 * - operator: also acknowledge, silence, run jobs, work checklists and incidents;
 * - admin: also users, tokens, restores and other destructive actions.
 */
export const ROLES = ["viewer", "operator", "admin"] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when `have` may do what `need` may (admin ≥ operator ≥ viewer). */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The lesser of two roles. */
export function minRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}
