print("ecgd")
