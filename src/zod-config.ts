import * as z from 'zod';

// zod compiles a parser for each object schema the first time it parses (new Function),
// which pays off over thousands of parses of one schema and costs start-up otherwise: the
// SDK parses each protocol message once or twice with schemas it builds on first use.
z.config({ jitless: true });
