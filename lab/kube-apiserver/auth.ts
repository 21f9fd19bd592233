// Bearer-token authentication and RBAC-shaped authorization. A user's rules read like a Role's
// (or, without a namespace, a ClusterRole's bound cluster-wide); the matching follows
// k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac (rbac.go, VerbMatches, ResourceMatches ...).
import { forbidden, unauthorized } from './status.js';

/** One RBAC PolicyRule, as in a Role's `rules`. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  /** Plural resources, with subresources as "pods/status"; "*" and "*\/status" match many. */
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** When set, only requests naming one of these objects match. */
  readonly resourceNames?: readonly string[];
}

/** A user known by bearer token. */
export interface KubeUser {
  readonly token: string;
  /** e.g. "system:serviceaccount:elector:elector" (see serviceAccountUserName). */
  readonly name: string;
  readonly groups?: readonly string[];
  /** The rules granted; undefined grants everything (a cluster admin). */
  readonly rules?: readonly PolicyRule[];
  /** Where the rules apply, like a RoleBinding's namespace; undefined means cluster-wide. */
  readonly namespace?: string;
}

/** What one request asks to do, as RBAC sees it. */
export interface RequestAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  /** '' for cluster-scoped requests. */
  readonly namespace: string;
  /** '' when the request names no object (list, create, watch of a collection). */
  readonly name: string;
}

/** The user name the apiserver gives a service account's token. */
export function serviceAccountUserName(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The token of the built-in cluster admin, which kubeconfigs use unless told otherwise. */
export const adminToken = 'test-admin-token';

const admin: KubeUser = {
  token: adminToken,
  name: 'test-admin',
  groups: ['system:masters', 'system:authenticated'],
};

const anonymous: KubeUser = {
  token: '',
  name: 'system:anonymous',
  groups: ['system:unauthenticated'],
};

function includesOrStar(values: readonly string[], value: string): boolean {
  return values.includes('*') || values.includes(value);
}

function resourceMatches(rule: PolicyRule, attributes: RequestAttributes): boolean {
  const combined =
    attributes.subresource === ''
      ? attributes.resource
      : `${attributes.resource}/${attributes.subresource}`;
  return rule.resources.some(
    (resource) =>
      resource === '*' ||
      resource === combined ||
      (attributes.subresource !== '' && resource === `*/${attributes.subresource}`),
  );
}

function ruleAllows(rule: PolicyRule, attributes: RequestAttributes): boolean {
  if (!includesOrStar(rule.verbs, attributes.verb)) return false;
  if (!includesOrStar(rule.apiGroups, attributes.group)) return false;
  if (!resourceMatches(rule, attributes)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attributes.name !== '' && names.includes(attributes.name));
}

/** Holds the known users; tests may change them while the server runs. */
export class Authenticator {
  private readonly users = new Map<string, KubeUser>();

  constructor(
    users: readonly KubeUser[],
    private readonly requiresAuthentication: boolean,
  ) {
    this.users.set(admin.token, admin);
    for (const user of users) this.users.set(user.token, user);
  }

  /** Adds a user, or replaces the one with the same token. */
  setUser(user: KubeUser): void {
    this.users.set(user.token, user);
  }

  removeUser(token: string): void {
    this.users.delete(token);
  }

  /**
   * The user behind an Authorization header. Throws 401 for an unknown token, and for a missing
   * one when authentication is required; otherwise a request without a token is the anonymous
   * user, who (like the built-in admin) may do everything.
   */
  authenticate(authorization: string | undefined): KubeUser {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) {
      if (authorization !== undefined && authorization !== '') throw unauthorized();
      if (this.requiresAuthentication) throw unauthorized();
      return anonymous;
    }
    const user = this.users.get(token);
    if (user === undefined) throw unauthorized();
    return user;
  }

  /** Throws 403 Forbidden, worded as the real apiserver words it, unless a rule allows. */
  authorize(user: KubeUser, attributes: RequestAttributes): void {
    if (user.rules === undefined) return;
    const isInScope = user.namespace === undefined || user.namespace === attributes.namespace;
    if (isInScope && user.rules.some((rule) => ruleAllows(rule, attributes))) return;
    const resource =
      attributes.subresource === ''
        ? attributes.resource
        : `${attributes.resource}/${attributes.subresource}`;
    const scope =
      attributes.namespace === ''
        ? 'at the cluster scope'
        : `in the namespace "${attributes.namespace}"`;
    const reason = `User "${user.name}" cannot ${attributes.verb} resource "${resource}" in API group "${attributes.group}" ${scope}`;
    throw forbidden(
      { group: attributes.group, resource: attributes.resource },
      attributes.name,
      reason,
    );
  }
}
