import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../platform/problems.ts';

/** The staff who see a school's pages: its reps and every admin. */
export const REPS_AND_ADMINS = { access: ['rep', 'admin'] } as const;

/** A rep sees only the schools assigned to them; an id typed into the URL changes nothing. */
export function assertSchool(request: FastifyRequest, schoolId: string): void {
  const user = request.user!;
  if (user.role === 'admin') return;
  if (user.role !== 'rep' || !user.schoolIds.includes(schoolId)) throw new HttpProblem(403, 'dashboard.error.noAccess');
}
