print("yongchain")
