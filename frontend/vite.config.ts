/// <reference types="vitest/config" />
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { swaggerDocs } from './scripts/swagger-docs.ts'

// The Go server; `npm run dev` proxies API calls to it so the app runs same-origin as in production.
const backend = process.env.FENGQIAO_BACKEND ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [vue(), swaggerDocs()],
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: {
      '/api': backend,
      '/identity': backend,
      '/openapi.yaml': backend,
    },
  },
  build: {
    // Element Plus is installed whole; the app is an internal tool on a LAN, so one large vendor chunk is fine.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // Dependencies change less often than the app; a separate chunk stays cached across releases.
        // ECharts is only for the dashboards and rankings: its own chunk, loaded with those pages.
        codeSplitting: {
          groups: [
            { name: 'charts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 2 },
            { name: 'vendor', test: /node_modules/, priority: 1 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
  },
})
