from .checkpoint import (register_mmengine_safe_globals,
                         unregister_mmengine_safe_globals)
from .mmcv_compat import install_mmcv_ops_fallback, is_fallback_installed
from .runtime import (adapt_config_to_device, destroy_cpu_process_group,
                      init_cpu_process_group, revert_sync_bn_in_config)

__all__ = [
    'adapt_config_to_device', 'destroy_cpu_process_group',
    'init_cpu_process_group',
    'install_mmcv_ops_fallback', 'is_fallback_installed',
    'register_mmengine_safe_globals', 'revert_sync_bn_in_config',
    'unregister_mmengine_safe_globals'
]
