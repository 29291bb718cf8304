import 'element-plus/dist/index.css'
import './styles.css'
import ElementPlus from 'element-plus'
import { createApp } from 'vue'
import App from './App.vue'
import { configureClient } from './api/client'
import { i18n } from './i18n'
import { createAppRouter } from './router'
import { disconnect, initSession, session } from './session'

// Before the router exists: it must not see the "#key=…" fragment.
initSession()
const router = createAppRouter()

configureClient({
  getKey: () => session.apiKey,
  onUnauthorized: () => {
    disconnect()
    const current = router.currentRoute.value
    if (current.name !== 'connect') void router.push({ name: 'connect', query: { redirect: current.fullPath } })
  },
})

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).use(ElementPlus).mount('#app')
