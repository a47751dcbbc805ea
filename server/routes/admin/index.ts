import type { FastifyInstance } from 'fastify';

/** The admin console (`/admin/...`): COnneCt staff only. */
export default async function adminRoutes(_app: FastifyInstance) {}
