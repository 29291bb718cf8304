import 'element-plus/dist/index.css'
import './styles.css'
import ElementPlus from 'element-plus'
import { createApp } from 'vue'
import App from './App.vue'
import { configureClient } from './api/client'
import { i18n } from './i18n'
import { createAppRouter, signinFor } from './router'
import { disconnect, initSession, session } from './session'

// Before the router exists: it must not see the "#key=…" fragment.
initSession()
const router = createAppRouter()

configureClient({
  getKey: () => session.apiKey,
  // The session ended or the key was revoked: sign in again, then come back here.
  onUnauthorized: () => {
    disconnect()
    const current = router.currentRoute.value
    if (!current.meta.public) void router.push(signinFor(current))
  },
})

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).use(ElementPlus).mount('#app')
