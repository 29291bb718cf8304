// Vite plugin that ships Swagger UI offline: the Go server serves dist/docs/
// at /docs, and nothing may come from a CDN.
import { copyFileSync, createReadStream, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import type { Plugin, ResolvedConfig } from 'vite'

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
}

function swaggerDir(): string {
  const require = createRequire(import.meta.url)
  return dirname(require.resolve('swagger-ui-dist/package.json'))
}

export function swaggerDocs(): Plugin {
  let config: ResolvedConfig
  return {
    name: 'fengqiao-swagger-docs',
    configResolved(resolved) {
      config = resolved
    },
    // In dev the same URLs are served straight from node_modules.
    configureServer(server) {
      const dir = swaggerDir()
      server.middlewares.use((req, res, next) => {
        const name = req.url?.split('?')[0].replace(/^\/docs\//, '')
        if (!req.url?.startsWith('/docs/') || !name || !(name in ASSETS)) return next()
        res.setHeader('Content-Type', ASSETS[name])
        createReadStream(join(dir, name)).pipe(res)
      })
    },
    writeBundle() {
      const dir = swaggerDir()
      const out = resolve(config.root, config.build.outDir)
      mkdirSync(join(out, 'docs'), { recursive: true })
      for (const name of Object.keys(ASSETS)) copyFileSync(join(dir, name), join(out, 'docs', name))
    },
  }
}
